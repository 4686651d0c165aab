// Root-context timers (proxy_set_tick_period_milliseconds) on the virtual clock (§10.21).
import type { RootCtx } from './types.ts';
import type { WasmVm } from './vm.ts';

export function setTickPeriod(vm: WasmVm, root: RootCtx, periodMs: number): void {
  vm.env.process.clock.cancel(root.timerId);
  root.timerId = undefined;
  root.tickPeriodMs = periodMs;
  if (periodMs === 0 || !vm.has('proxy_on_tick')) return;
  arm(vm, root);
}

function arm(vm: WasmVm, root: RootCtx): void {
  root.timerId = vm.env.process.clock.schedule(root.tickPeriodMs, () => {
    root.timerId = undefined;
    if (root.state === 'deleted' || vm.failed || root.tickPeriodMs === 0) return;
    const period = root.tickPeriodMs;
    vm.callExport('proxy_on_tick', root.id, [root.id]);
    // re-arm unless the tick changed the period (setTickPeriod already re-armed) or disabled it
    if (root.timerId === undefined && root.tickPeriodMs === period && period !== 0 && (root.state as string) !== 'deleted' && !vm.failed) arm(vm, root);
    vm.env.process.drain();
  });
}

export function cancelTimer(vm: WasmVm, root: RootCtx): void {
  vm.env.process.clock.cancel(root.timerId);
  root.timerId = undefined;
}
