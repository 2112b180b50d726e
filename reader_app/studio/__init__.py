"""The narrator's studio: what the reader changes about how a book is narrated (lexicon, takes, characters)."""
