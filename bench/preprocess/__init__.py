"""Text preparation: cleaning web articles and splitting sentences."""
