"""Plain-Python store, validation and rules: no Textual imports here."""
