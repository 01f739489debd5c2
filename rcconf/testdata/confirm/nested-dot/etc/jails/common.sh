jail_root=/usr/jails
mkjail() {
	jail_list="$jail_list $1"
	eval "jail_${1}_rootdir=$jail_root/$1"
	eval "jail_${1}_hostname=$1.example.org"
}
. /etc/jails/deeper.sh
