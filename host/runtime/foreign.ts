// Envoy's foreign functions (§4.4): clear_route_cache, set_envoy_filter_state, declare_property,
// compress, uncompress. Unknown names → NotFound.
import { deflateSync, inflateSync } from 'node:zlib';
import { WasmResult as R } from '../abi/enums.ts';
import { decodeProto } from './proto.ts';
import type { Ctx } from './types.ts';
import type { WasmVm } from './vm.ts';

export interface ForeignResult { status: number; result?: Uint8Array }

export function callForeignFunction(vm: WasmVm, c: Ctx | undefined, name: string, args: Uint8Array): ForeignResult {
  switch (name) {
    case 'compress':
      try {
        const out = new Uint8Array(deflateSync(args));
        vm.callData = out;
        return { status: R.Ok, result: out };
      } catch {
        return { status: R.SerializationFailure };
      }
    case 'uncompress':
      try {
        const out = new Uint8Array(inflateSync(args));
        vm.callData = out;
        return { status: R.Ok, result: out };
      } catch {
        return { status: R.SerializationFailure };
      }
    case 'clear_route_cache':
      if (c?.kind === 'http') vm.env.routeCacheCleared(c.id, 'foreign');
      return { status: R.Ok };
    case 'set_envoy_filter_state': {
      const f = decodeProto(args);
      if (!f) return { status: R.BadArgument };
      const path = f.str(1) ?? '';
      const value = f.bytes(2) ?? new Uint8Array(0);
      const span = f.varint(3) ?? 0;
      if (c?.kind !== 'http') return { status: R.NotFound }; // no stream info [inferred]
      c.stream.envoyFilterState.set(path, { value, span: Number(span) });
      return { status: R.Ok };
    }
    case 'declare_property': {
      // DeclarePropertyArguments { name=1, readonly=2, type=3, schema=4, span=5 }
      const f = decodeProto(args);
      if (!f) return { status: R.BadArgument };
      const pname = f.str(1);
      if (!pname) return { status: R.BadArgument };
      const decl = { readonly: (f.varint(2) ?? 0n) !== 0n, type: Number(f.varint(3) ?? 0n), span: Number(f.varint(5) ?? 0n) };
      if (c?.kind === 'http') c.stream.declaredProperties.set(pname, decl);
      return { status: R.Ok };
    }
  }
  return { status: R.NotFound };
}
