"""Loading pretrained models (Hugging Face), shared by summarizers and metrics."""
