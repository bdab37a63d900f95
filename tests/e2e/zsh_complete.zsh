#!/usr/bin/zsh -f
# zsh_complete.zsh FPATH_DIR LINE: the candidates zsh's completion system offers for LINE,
# typed at an interactive prompt and completed with TAB, one per line.
#
# Completion only runs inside the line editor, so this starts an interactive `zsh -f` on a
# pseudo-terminal (zsh/zpty), loads compinit with FPATH_DIR (which holds _tend) first on
# $fpath, and wraps compadd so every match that would be added is printed instead.
zmodload zsh/zpty || exit 2
dir=$1 line=$2

zpty z zsh -f -i || exit 2
zpty -w z 'PS1="" RPS1="" PROMPT_EOL_MARK=""'
zpty -w z "fpath=(${(q)dir} \$fpath)"
zpty -w z 'autoload -Uz compinit && compinit -u -D'
zpty -w z "zstyle ':completion:*' list-grouped false"
zpty -w z "zstyle ':completion:*' insert-tab false"
# Print the matches; calls that only ask (-O, -A, -D) go to the real compadd.
zpty -w z 'compadd() {
  if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return; fi
  local -a __hits; builtin compadd -A __hits "$@"; local ret=$?
  local h; for h in $__hits; do print -r -- "<HIT>${(Q)h}"; done
  return ret
}'
zpty -w z 'finish() { print -r -- "<END>"; exit }; zle -N finish; bindkey "^X" finish'
zpty -w z 'print -r -- "<READY>"'

# Skip the echo of the set-up until the shell says it is ready.
while zpty -r z out; do
        [[ $out == "<READY>"* ]] && break
done
zpty -w -n z "$line"$'\t'$'\x18'
while zpty -r z out; do
        out=${out%$'\r'}
        out=${out%$'\n'}
        out=${out%$'\r'}
        [[ $out == *"<END>"* ]] && break
        [[ $out == *"<HIT>"* ]] && print -r -- "${out#*<HIT>}"
done
zpty -d z
