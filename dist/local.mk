# dist fragment: filled in by the owner of dist/
