# Shell completion of lastgoodctl (bash and zsh).
bashcompletion_DATA = %reldir%/bash/lastgoodctl
zshcompletion_DATA = %reldir%/zsh/_lastgoodctl
EXTRA_DIST += %reldir%/bash/lastgoodctl %reldir%/zsh/_lastgoodctl
TESTS += tests/integration/completion.sh
EXTRA_DIST += tests/integration/completion.sh tests/integration/zsh-complete.zsh
