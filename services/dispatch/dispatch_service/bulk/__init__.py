"""Mass-mailing permission (R10): batches past a size need an operator's consent."""
