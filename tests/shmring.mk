# tests fragment: filled in by the owner of tests/
