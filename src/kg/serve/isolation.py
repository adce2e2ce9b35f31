"""Take from a process the means to open network connections, for good.

The processes that run queries (query workers, and the HTTP processes that answer
short queries themselves) must never reach another host on a client's behalf. The
endpoint refuses ``SERVICE`` after reading the query (:mod:`kg.sparql_lexer`); this
module makes that refusal's mistakes harmless. It installs a seccomp filter, the Linux
kernel's system-call filter, that fails every call creating a socket of any family
but ``AF_UNIX`` (the pipes to the query workers are Unix sockets), and every call
setting up an ``io_uring`` (whose requests can create sockets without a system call).
Without a socket there is no connection, no name lookup and no datagram. Sockets the
process already holds, such as the HTTP server's listening socket, keep working.

The filter covers every thread of the process and every process it starts, and
cannot be removed. The kernel applies it, so it holds whatever code runs: the query
engine's HTTP client, a library, a bug.

It is built for Linux on x86-64 and AArch64. Elsewhere :func:`deny_network` says why
it could not, and the server says so when it starts and in ``kg settings``.
"""

from __future__ import annotations

import ctypes
import errno
import platform
import socket
import struct
import sys
from typing import NamedTuple

# Linux ABI constants (linux/filter.h, linux/seccomp.h, linux/audit.h, linux/prctl.h).
_PR_SET_NO_NEW_PRIVS = 38
_SECCOMP_SET_MODE_FILTER = 1
_SECCOMP_FILTER_FLAG_TSYNC = 1
_RET_ALLOW = 0x7FFF0000
_RET_ERRNO = 0x00050000
_LOAD_WORD = 0x20  # BPF_LD | BPF_W | BPF_ABS
_JUMP_EQ = 0x15  # BPF_JMP | BPF_JEQ | BPF_K
_JUMP_GE = 0x35  # BPF_JMP | BPF_JGE | BPF_K
_RETURN = 0x06  # BPF_RET | BPF_K
_ARCH_OFFSET, _NR_OFFSET, _ARG0_OFFSET = 4, 0, 16  # in struct seccomp_data
_X32_SYSCALL_BIT = 0x40000000


class _Abi(NamedTuple):
    audit_arch: int
    socket_nr: int
    io_uring_nr: int
    seccomp_nr: int


_ABIS = {
    "x86_64": _Abi(0xC000003E, 41, 425, 317),
    "aarch64": _Abi(0xC00000B7, 198, 425, 277),
}


def _filter(abi: _Abi) -> bytes:
    """The filter program: struct sock_filter entries (code, jt, jf, k)."""
    deny = _RET_ERRNO | errno.EACCES
    program = [
        (_LOAD_WORD, 0, 0, _ARCH_OFFSET),
        (_JUMP_EQ, 1, 0, abi.audit_arch),
        (_RETURN, 0, 0, deny),  # a system call of another ABI (e.g. 32-bit): refused
        (_LOAD_WORD, 0, 0, _NR_OFFSET),
        (_JUMP_GE, 0, 1, _X32_SYSCALL_BIT),
        (_RETURN, 0, 0, deny),  # the x32 ABI's numbering of the same calls
        (_JUMP_EQ, 2, 0, abi.socket_nr),
        (_JUMP_EQ, 0, 4, abi.io_uring_nr),
        (_RETURN, 0, 0, deny),
        (_LOAD_WORD, 0, 0, _ARG0_OFFSET),  # socket(domain, ...): the family
        (_JUMP_EQ, 1, 0, socket.AF_UNIX),
        (_RETURN, 0, 0, deny),
        (_RETURN, 0, 0, _RET_ALLOW),
    ]
    # Jumps count the entries they skip: from the socket check, two to the family's
    # check; from io_uring's, four to ALLOW.
    return b"".join(struct.pack("=HBBI", *entry) for entry in program)


def deny_network() -> str:
    """Install the filter in this process; return ``""``, or why it cannot be.

    Installing it twice is harmless (filters stack).
    """
    reason = availability()
    if reason:
        return reason
    abi = _ABIS[platform.machine()]
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        return f"prctl(NO_NEW_PRIVS) failed: {_error()}"
    code = _filter(abi)
    entries = ctypes.create_string_buffer(code, len(code))

    class _Program(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    program = _Program(len(code) // 8, ctypes.addressof(entries))
    flags = _SECCOMP_FILTER_FLAG_TSYNC  # every thread of the process, not only this one
    result = libc.syscall(abi.seccomp_nr, _SECCOMP_SET_MODE_FILTER, flags, ctypes.byref(program))
    if result != 0:
        return f"seccomp() failed: {_error()}"
    return ""


def _error() -> str:
    number = ctypes.get_errno()
    return f"{errno.errorcode.get(number, number)} ({number})"


def availability() -> str:
    """Whether the filter can be installed here: ``""``, or why not (checked without it)."""
    if sys.platform != "linux":
        return f"the system's filter of calls is Linux's seccomp, and this is {sys.platform}"
    if platform.machine() not in _ABIS:
        return f"the filter is built for x86-64 and AArch64, not {platform.machine()}"
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            if not any(line.startswith("Seccomp:") for line in status):
                return "this kernel was built without seccomp"
    except OSError:
        pass
    return ""
