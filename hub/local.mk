# hub fragment: filled in by the owner of hub/
