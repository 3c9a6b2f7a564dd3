# Prometheus rules over each host's `lastgoodctl status --metrics` (issue
# 20), installed for the administrator to load (rule_files:), and their
# test under promtool (Debian package prometheus).
lgprometheusdir = $(datadir)/lastgood/prometheus
dist_lgprometheus_DATA = %reldir%/lastgood.rules.yml
TESTS += tests/integration/prometheus-rules.sh
EXTRA_DIST += tests/integration/prometheus-rules.sh tests/integration/prometheus-rules.test.yml
