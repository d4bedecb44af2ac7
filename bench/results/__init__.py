"""Result files, aggregation with confidence intervals, and comparison tables."""
