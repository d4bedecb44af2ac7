"""bench-meta: meta-evaluation of metrics against human judgements."""
