# Documentation shipped in the tarball; man pages are listed by the fragment of the program they describe.
