// WASI (wasi_snapshot_preview1 / wasi_unstable) with cpp-host's semantics (reference §4.3).
import { WasiErrno as E } from '../abi/enums.ts';
import { guestLog } from './hostcalls.ts';
import type { WasmVm } from './vm.ts';
import { randomFillSync } from 'node:crypto';

const RANDOM_POOL = new Uint8Array(4096);
let randomAt = RANDOM_POOL.length;

export function buildWasi(vm: WasmVm): Record<string, Function> {
  const env = () => Object.entries(vm.env.envVars).map(([k, v]) => Buffer.from(`${k}=${v}\0`));
  const stub = (errno: number) => () => errno;
  return {
    fd_write(fd: number, iovs: number, iovsLen: number, nwrittenOut: number) {
      const parts: Uint8Array[] = [];
      for (let i = 0; i < iovsLen; i++) {
        const d = new DataView(vm.read(iovs + i * 8, 8).buffer);
        parts.push(vm.read(d.getUint32(0, true), d.getUint32(4, true)));
      }
      const data = Buffer.concat(parts);
      if (fd !== 1 && fd !== 2) return E.BADF;
      let msg = data.toString('utf8');
      if (msg.endsWith('\n')) msg = msg.slice(0, -1);
      vm.writeU32(nwrittenOut, data.length);
      guestLog(vm, fd === 1 ? 2 : 4, msg, fd === 1 ? 'stdout' : 'stderr');
      return E.SUCCESS;
    },
    fd_read: stub(E.NOSYS),
    fd_seek(_fd: number, _off: bigint, _wh: number, _out: number) {
      guestLog(vm, 4, 'wasi_unstable fd_seek', 'stderr');
      return 0;
    },
    fd_close(_fd: number) {
      guestLog(vm, 4, 'wasi_unstable fd_close', 'stderr');
      return 0;
    },
    fd_fdstat_get(fd: number, out: number) {
      if (fd !== 1 && fd !== 2) return E.BADF;
      const b = new Uint8Array(24);
      const d = new DataView(b.buffer);
      d.setUint8(0, 4); // filetype: character device [inferred]
      d.setBigUint64(8, 64n, true); // rights_base = FD_WRITE
      vm.write(out, b);
      return E.SUCCESS;
    },
    fd_fdstat_set_flags: stub(E.NOSYS),
    environ_sizes_get(countOut: number, sizeOut: number) {
      const e = env();
      vm.writeU32(countOut, e.length);
      vm.writeU32(sizeOut, e.reduce((n, b) => n + b.length, 0));
      return E.SUCCESS;
    },
    environ_get(ptrsPtr: number, bufPtr: number) {
      let p = bufPtr >>> 0;
      env().forEach((b, i) => {
        vm.writeU32(ptrsPtr + i * 4, p);
        vm.write(p, b);
        p += b.length;
      });
      return E.SUCCESS;
    },
    args_sizes_get(countOut: number, sizeOut: number) {
      vm.writeU32(countOut, 0);
      vm.writeU32(sizeOut, 0);
      return E.SUCCESS;
    },
    args_get: () => E.SUCCESS,
    clock_time_get(id: number, _precision: bigint, out: number) {
      const c = vm.env.process.clock;
      if (id === 0) vm.writeU64(out, c.nowNs());
      else if (id === 1) vm.writeU64(out, c.monotonicNs());
      else return E.NOTSUP;
      return E.SUCCESS;
    },
    clock_res_get(_id: number, out: number) {
      vm.writeU64(out, 1n);
      return E.SUCCESS;
    },
    random_get(ptr: number, len: number) {
      len >>>= 0;
      if (len > 65536) return E.INVAL;
      vm.check(ptr, len);
      // Small requests are served from a pool of crypto randomness refilled 4 KiB at a time (one
      // randomFillSync per request costs more than the rest of the hostcall); each byte is used once.
      if (len > RANDOM_POOL.length) { vm.write(ptr, randomFillSync(new Uint8Array(len))); return E.SUCCESS; }
      if (randomAt + len > RANDOM_POOL.length) { randomFillSync(RANDOM_POOL); randomAt = 0; }
      vm.write(ptr, RANDOM_POOL.subarray(randomAt, randomAt + len));
      randomAt += len;
      return E.SUCCESS;
    },
    sched_yield: () => E.SUCCESS,
    poll_oneoff(_in: number, _out: number, _n: number, neventsOut: number) {
      vm.writeU32(neventsOut, 0);
      return E.SUCCESS;
    },
    proc_exit(_code: number) {
      guestLog(vm, 4, 'wasi_unstable proc_exit', 'stderr');
    },
    path_open: stub(E.NOENT),
    fd_prestat_get: stub(E.BADF),
    fd_prestat_dir_name: stub(E.NOSYS),
    path_filestat_get: stub(E.NOTSUP),
    fd_filestat_get: stub(E.BADF),
    // Newest cpp-host stubs (only linked with newestCppHost) [inferred: ENOSYS].
  };
}
