package file

import "syscall"

// syscallNotDir is what reading a secret whose path is a file gives.
var syscallNotDir = syscall.ENOTDIR
