# Package-manager hooks: arm the boot counter when third-party modules
# change (lastgoodctl arm --if-changed). arm-hook is what every hook calls;
# zz-lastgood runs after a kernel is installed; the dpkg trigger is in
# debian/lastgood.triggers.
# ([@] keeps configure from substituting the placeholders in this line.)
lg_hooks_subst = sed -e 's|@pkglibexecdir[@]|$(libexecdir)/lastgood|g' -e 's|@sbindir[@]|$(sbindir)|g'
lastgoodlibexec_SCRIPTS = %reldir%/arm-hook
kernelpostinstdir = $(sysconfdir)/kernel/postinst.d
kernelpostinst_SCRIPTS = %reldir%/zz-lastgood
CLEANFILES += %reldir%/arm-hook %reldir%/zz-lastgood
EXTRA_DIST += %reldir%/arm-hook.in %reldir%/zz-lastgood.in

%reldir%/arm-hook: %reldir%/arm-hook.in Makefile
	$(AM_V_GEN)$(MKDIR_P) $(@D) && $(lg_hooks_subst) < $< > $@.tmp && chmod +x $@.tmp && mv $@.tmp $@
%reldir%/zz-lastgood: %reldir%/zz-lastgood.in Makefile
	$(AM_V_GEN)$(MKDIR_P) $(@D) && $(lg_hooks_subst) < $< > $@.tmp && chmod +x $@.tmp && mv $@.tmp $@

# Black-box test of arm --if-changed and of the hooks, against temporary roots.
TESTS += tests/integration/ctl-arm-if-changed.sh
EXTRA_DIST += tests/integration/ctl-arm-if-changed.sh
