# doc fragment: filled in by the owner of doc/
