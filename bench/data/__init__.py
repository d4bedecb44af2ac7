"""Loading clusters of documents and their reference summaries."""
