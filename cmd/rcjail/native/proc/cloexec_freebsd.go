package proc

// CloseExtraOnExec marks every descriptor above 2 close-on-exec, so that
// descriptors inherited from whoever started rcjail never reach a hook or a
// jail (the CVE-2024-21626 class of escape).
func CloseExtraOnExec() error { return closeExtraSlow() }
