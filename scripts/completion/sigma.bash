# bash completion for sigma (issue 11). Installed as
# share/bash-completion/completions/sigma, which bash-completion loads on the first
# `sigma <TAB>`; or source this file from ~/.bashrc.
#
# Completes the commands, each command's flags (the lists below, the flags of
# `sigma COMMAND --help`; a trailing '=' marks a flag that takes a value;
# tests/install/test_completion.sh checks them against --help), the values of flags with
# a fixed set, directories for --out, files for --json, --csv and the index files, and
# inputs: *.h5, *.hdf5, *.npy, *.safetensors, directories and @LIST files. Both
# `--flag value` and `--flag=value` are completed. Self-contained (compgen only).

_sigma_commands="audit study merge plan monitor generate proxies"
_sigma_shared="--center --level= --normalize --rule-constant= --seed="
_sigma_stream="--block-rows= --quiet"
_sigma_flags_audit="--epsilon= --n1= --observed= --observed-indices= --save-indices=
  --block-jackknife= --delta= --energy-cap= --no-tau2 --scalapack= --csv= --json= --plots=
  $_sigma_shared $_sigma_stream --help --usage"
_sigma_flags_study="--epsilon= --n1= --replicates= --block-jackknife= --memory-limit= --out=
  --replicate-range= --resume --no-plots $_sigma_shared $_sigma_stream --help --usage"
_sigma_flags_merge="--out= --help --usage"
_sigma_flags_plan="--epsilon= --json= --pilot= $_sigma_shared --help --usage"
_sigma_flags_monitor="--baseline= --checkpoints= --labels= --n1= --observed= --observed-indices=
  --delta= --energy-cap= --full --append --merge --no-plots --out= --proxies=
  $_sigma_shared $_sigma_stream --help --usage"
_sigma_flags_generate="--beta= --block-rows= --dataset= --dim= --dtype= --generations= --nu=
  --quiet --radial= --radial-var= --recursive-refit= --row-seed= --rows= --seed= --spectrum=
  --spike-size= --spikes= --help --usage"
_sigma_flags_proxies="--csv= --exact --hhi-n= --json= --seed= --sketch-depth= --sketch-width=
  --help --usage"

# Append to COMPREPLY the matches of $1 among files ending in one of the extensions
# $2.. (every file when none), and directories (to walk into).
_sigma_files() {
  local cur=$1 ext IFS=$'\n'
  shift
  compopt -o filenames 2>/dev/null
  if (($# == 0)); then
    COMPREPLY+=($(compgen -f -- "$cur"))  # directories included
    return
  fi
  COMPREPLY+=($(compgen -d -- "$cur"))
  for ext in "$@"; do
    COMPREPLY+=($(compgen -f -X "!*.$ext" -- "$cur"))
  done
}

# Complete the value $2 of flag $1; returns 1 if $1 takes no value.
_sigma_value() {
  local flag=$1 cur=$2 IFS=$' \t\n'
  case $flag in
    --out | --plots) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -d -- "$cur")) ;;
    --json | --csv | --save-indices | --observed-indices | --checkpoints | --proxies)
      _sigma_files "$cur" ;;
    --observed) COMPREPLY=($(compgen -W "random first" -- "$cur")) ;;
    --scalapack) COMPREPLY=($(compgen -W "auto on off" -- "$cur")) ;;
    --spectrum) COMPREPLY=($(compgen -W "isotropic powerlaw spiked exponential" -- "$cur")) ;;
    --radial) COMPREPLY=($(compgen -W "lognormal" -- "$cur")) ;;
    --dtype) COMPREPLY=($(compgen -W "float16 float32 float64" -- "$cur")) ;;
    *)  # a number or a name: nothing to offer, if $flag takes a value at all
      local f
      for f in $3; do [[ $f == "$flag=" ]] && return 0; done
      return 1 ;;
  esac
  return 0
}

# Complete a positional argument $2 of command $1 (words: the command line so far).
_sigma_positional() {
  local cmd=$1 cur=$2 w
  shift 2
  for w in "$@"; do [[ $w == --merge ]] && cmd=merge; done
  case $cmd in
    merge) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -d -- "$cur")) ;;
    generate) _sigma_files "$cur" h5 ;;
    proxies) _sigma_files "$cur" txt ;;
    *)
      if [[ $cur == @* ]]; then  # @LIST: a file naming one input per line
        _sigma_files "${cur#@}"
        COMPREPLY=("${COMPREPLY[@]/#/@}")
      else
        _sigma_files "$cur" h5 hdf5 npy safetensors
      fi ;;
  esac
}

_sigma() {
  COMPREPLY=()
  local cur=${COMP_WORDS[COMP_CWORD]} prev="" prev2="" IFS=$' \t\n'
  ((COMP_CWORD >= 1)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
  ((COMP_CWORD >= 2)) && prev2=${COMP_WORDS[COMP_CWORD - 2]}
  if ((COMP_CWORD == 1)); then
    if [[ $cur == -* ]]; then
      COMPREPLY=($(compgen -W "--help --version" -- "$cur"))
    else
      COMPREPLY=($(compgen -W "$_sigma_commands" -- "$cur"))
    fi
    return 0
  fi
  local cmd=${COMP_WORDS[1]} flags_var
  flags_var=_sigma_flags_$cmd
  [[ $cmd =~ ^[a-z]+$ && -n ${!flags_var+x} ]] || return 0
  local flags=${!flags_var}
  # --flag=value: bash splits it into "--flag" "=" "value" when '=' is in COMP_WORDBREAKS
  # (the default); else it is one word, and each match keeps its "--flag=" prefix.
  if [[ $cur == "=" && $prev == --* ]]; then
    _sigma_value "$prev" "" "$flags"
    return 0
  elif [[ $prev == "=" && $prev2 == --* ]]; then
    _sigma_value "$prev2" "$cur" "$flags"
    return 0
  elif [[ $cur == --*=* ]]; then
    _sigma_value "${cur%%=*}" "${cur#*=}" "$flags" && COMPREPLY=("${COMPREPLY[@]/#/${cur%%=*}=}")
    return 0
  fi
  if [[ $prev == --* ]] && _sigma_value "$prev" "$cur" "$flags"; then
    return 0
  fi
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$flags" -- "$cur"))
    [[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == *= ]] && compopt -o nospace 2>/dev/null
    return 0
  fi
  _sigma_positional "$cmd" "$cur" "${COMP_WORDS[@]:2}"
}
complete -F _sigma sigma
