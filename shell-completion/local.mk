# Shell completion of lastgoodctl (bash).
bashcompletion_DATA = %reldir%/bash/lastgoodctl
EXTRA_DIST += %reldir%/bash/lastgoodctl
TESTS += tests/integration/completion.sh
EXTRA_DIST += tests/integration/completion.sh
