# What `make install` installs, checked as installed (into a private
# DESTDIR): programs, library and pkg-config file, man pages, the
# supervisord group and the systemd units.
TESTS += %reldir%/dist/install.sh
EXTRA_DIST += %reldir%/dist/install.sh
