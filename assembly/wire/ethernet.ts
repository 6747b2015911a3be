// (being written: see the foundation issue)
