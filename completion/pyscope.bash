# bash completion for pyscope -- commands, each command's options, the python marker names after
# --markers (both spellings, in a comma-separated list), files after options that take one,
# process IDs after -p (stap: -x), directories after stap's -I, limits after its -D. Installed
# as share/bash-completion/completions/pyscope; needs nothing from the bash-completion package.

_pyscope_markers="function__entry function-entry function__return function-return line
gc__start gc-start gc__done gc-done import__find__load__start import-find-load-start
import__find__load__done import-find-load-done audit"

_pyscope() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} cmd=${COMP_WORDS[1]}
	local opts
	COMPREPLY=()
	if [ "$COMP_CWORD" -eq 1 ]; then
		mapfile -t COMPREPLY < <(compgen -W "list events dtrace profile dump provider stap doctor version help --help --version" -- "$cur")
		return
	fi
	case $cmd in
	list)    opts="-p --pid -j --json -h --help" ;;
	events)  opts="-c -p --all --markers --json --strsize --stack --vtimestamp --ustack --ustack-cfi --provider --no-provider -h --help" ;;
	dtrace)  opts="-q -v -w -e -Z -s -n -c -p --replay -o -x -l -P -C -D -U -I -H --provider --no-provider -h --help" ;;
	profile) opts="-c -p --all -F -d --threads --idle --native --stack-bytes --depth --format -o --top -h --help" ;;
	dump)    opts="-p --depth --locals -h --help" ;;
	provider) opts="-h --help"
		# provider build|install|uninstall|status, then a Python (a file)
		if [ "$COMP_CWORD" -eq 2 ] && [[ $cur != -* ]]; then
			mapfile -t COMPREPLY < <(compgen -W "build install uninstall status" -- "$cur")
			return
		fi ;;
	stap)    opts="-e -c -x --replay -I -o -G -D -T -p -l -L -u -v -k -g --dump-functions -h --help" ;;
	doctor|version) opts="-h --help" ;;
	*)       return ;;
	esac
	case $prev in
	--markers)
		# A comma-separated list: complete its last item, keeping the ones before it.
		local head="" last=$cur
		case $cur in *,*) head=${cur%,*},; last=${cur##*,} ;; esac
		mapfile -t COMPREPLY < <(compgen -P "$head" -W "$_pyscope_markers" -- "$last")
		compopt -o nospace 2>/dev/null
		return ;;
	-x)
		if [ "$cmd" = stap ]; then
			mapfile -t COMPREPLY < <(compgen -W "$(cd /proc 2>/dev/null && printf '%s ' [0-9]*)" -- "$cur")
			return
		fi
		mapfile -t COMPREPLY < <(compgen -W "strsize= quiet" -- "$cur")
		return ;;
	-I)
		mapfile -t COMPREPLY < <(compgen -d -- "$cur")
		return ;;
	-D)
		mapfile -t COMPREPLY < <(compgen -W "MAXSTRINGLEN= MAXMAPENTRIES= MAXACTION= MAXNESTING=" -- "$cur")
		compopt -o nospace 2>/dev/null
		return ;;
	-p|--pid)
		if [ "$cmd" = stap ]; then
			mapfile -t COMPREPLY < <(compgen -W "1 2 3 4 5" -- "$cur")
			return
		fi
		mapfile -t COMPREPLY < <(compgen -W "$(cd /proc 2>/dev/null && printf '%s ' [0-9]*)" -- "$cur")
		return ;;
	-s|-o|--replay)
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return ;;
	-x)
		mapfile -t COMPREPLY < <(compgen -W "strsize= quiet" -- "$cur")
		return ;;
	--format)
		mapfile -t COMPREPLY < <(compgen -W "folded speedscope svg" -- "$cur")
		return ;;
	-F|-d|--depth|--stack-bytes)
		return ;;
	-c|-n|-P|--strsize|-e|-G|-T|-l|-L)
		return ;;
	esac
	if [[ $cur == -* ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")
	elif [ "$cmd" = list ] || [ "$cmd" = events ] || [ "$cmd" = provider ] || [ "$cmd" = stap ]; then
		# list's PATH, events --all's BINARY, provider's PYTHON, stap's SCRIPT
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
	fi
}
complete -F _pyscope pyscope
