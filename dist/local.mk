# Deployment files: a supervisord program group, systemd units and
# example configurations.  Templates are filled with the install paths at
# build time; tools/demo fills the same supervisord template with the
# build tree's paths.
supervisorconfdir = $(sysconfdir)/supervisor/conf.d
supervisorconf_DATA = dist/supervisor/flowhub.conf
systemdunitdir = $(prefix)/lib/systemd/system
systemdunit_DATA = dist/systemd/flowhub.service dist/systemd/flowhub-edge@.service
flowhubconfdir = $(sysconfdir)/flowhub
dist_flowhubconf_DATA = dist/examples/flowhub.conf dist/examples/flowhub-edge.conf
examples_DATA += dist/examples/nginx-flowhub.conf
EXTRA_DIST += dist/supervisor/flowhub.conf.in dist/systemd/flowhub.service.in \
	dist/systemd/flowhub-edge@.service.in dist/examples/nginx-flowhub.conf \
	dist/fill-template
CLEANFILES += $(supervisorconf_DATA) $(systemdunit_DATA)

dist_fill = $(SHELL) $(srcdir)/dist/fill-template \
	BINDIR='$(bindir)' SYSCONFDIR='$(sysconfdir)' WWWDIR='$(wwwdir)' \
	RUNDIR=/run/flowhub STATEDIR='$(localstatedir)/lib/flowhub' \
	LOGDIR='$(localstatedir)/log/flowhub' RING=/flowhub EDGES=2 \
	LISTEN_ADDR=127.0.0.1 SUPERVISOR_CONFDIR='$(supervisorconfdir)'

dist/supervisor/flowhub.conf: dist/supervisor/flowhub.conf.in dist/fill-template
	$(AM_V_GEN)$(MKDIR_P) $(@D) && $(dist_fill) < $(srcdir)/$@.in > $@.tmp && mv $@.tmp $@
dist/systemd/flowhub.service: dist/systemd/flowhub.service.in dist/fill-template
	$(AM_V_GEN)$(MKDIR_P) $(@D) && $(dist_fill) < $(srcdir)/$@.in > $@.tmp && mv $@.tmp $@
dist/systemd/flowhub-edge@.service: dist/systemd/flowhub-edge@.service.in dist/fill-template
	$(AM_V_GEN)$(MKDIR_P) $(@D) && $(dist_fill) < $(srcdir)/$@.in > $@.tmp && mv $@.tmp $@
