"""Documents: raw pages and files turned into clean, deduplicated text."""
