namespace L4Conf.Model.Abi;

/// <summary>Generic error numbers, returned negated as reply labels.</summary>
[Source("l4re:l4sys/include/err.h", "fiasco:src/abi/l4_types.cpp")]
public enum L4Err : long
{
    [Real("L4_EOK")] Ok = 0,
    [Real("L4_EPERM")] Perm = 1,
    [Real("L4_ENOENT")] NoEnt = 2,
    [Real("L4_EIO")] Io = 5,
    [Real("L4_ENXIO")] NxIo = 6,
    [Real("L4_E2BIG")] TooBig = 7,
    [Real("L4_EAGAIN")] Again = 11,
    [Real("L4_ENOMEM")] NoMem = 12,
    [Real("L4_EACCESS")] Access = 13,
    [Real("L4_EFAULT")] Fault = 14,
    [Real("L4_EBUSY")] Busy = 16,
    [Real("L4_EEXIST")] Exist = 17,
    [Real("L4_ENODEV")] NoDev = 19,
    [Real("L4_ENOTDIR")] NotDir = 20,
    [Real("L4_EINVAL")] Inval = 22,
    [Real("L4_ENOSPC")] NoSpc = 28,
    [Real("L4_ERANGE")] Range = 34,
    [Real("L4_ENAMETOOLONG")] NameTooLong = 36,
    [Real("L4_ENOSYS")] NoSys = 38,
    [Real("L4_EBADPROTO")] BadProto = 39,
    [Real("L4_EADDRNOTAVAIL")] AddrNotAvail = 99,
    [Real("L4_ERRNOMAX")] ErrnoMax = 100,
    [Real("L4_ENOREPLY")] NoReply = 1000,
    [Real("L4_EMSGTOOSHORT")] MsgTooShort = 1001,
    [Real("L4_EMSGTOOLONG")] MsgTooLong = 1002,
    [Real("L4_EMSGMISSARG")] MsgMissArg = 1003,
    [Real("L4_EMSGERRRANGE")] MsgErrRange = 1004,
    [Real("L4_EDROPREPLY")] DropReply = 1005,
}

/// <summary>IPC error codes in the UTCB error TCR; bit 0 set = receive phase.</summary>
[Source("l4re:l4sys/include/ipc.h", "fiasco:src/abi/l4_error.cpp")]
public enum IpcErr : ulong
{
    [Real("derived: no error (ipc.h names no code 0)")] None = 0x00,
    [Real("L4_IPC_SETIMEOUT")] SeTimeout = 0x02,
    [Real("L4_IPC_RETIMEOUT")] ReTimeout = 0x03,
    [Real("L4_IPC_ENOT_EXISTENT")] NotExistent = 0x04,
    [Real("L4_IPC_SECANCELED")] SeCanceled = 0x06,
    [Real("L4_IPC_RECANCELED")] ReCanceled = 0x07,
    [Real("L4_IPC_SEMSGCUT")] SeMsgCut = 0x08,
    [Real("L4_IPC_REMSGCUT")] ReMsgCut = 0x09,
    [Real("L4_IPC_SESNDPFTO")] SeSndPfTo = 0x0A,
    [Real("L4_IPC_RESNDPFTO")] ReSndPfTo = 0x0B,
    [Real("L4_IPC_SERCVPFTO")] SeRcvPfTo = 0x0C,
    [Real("L4_IPC_RERCVPFTO")] ReRcvPfTo = 0x0D,
    [Real("L4_IPC_SEABORTED")] SeAborted = 0x0E,
    [Real("L4_IPC_REABORTED")] ReAborted = 0x0F,
    [Real("L4_IPC_SEMAPFAILED")] SeMapFailed = 0x10,
    [Real("L4_IPC_REMAPFAILED")] ReMapFailed = 0x11,
    [Real("L4_IPC_NO_REPLY_CAP")] NoReplyCap = 0x13,
    [Real("L4_IPC_ERROR_MASK")] ErrorMask = 0x1F,
    [Real("L4_IPC_SND_ERR_MASK")] SndErrMask = 0x01,
}
