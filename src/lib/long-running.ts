import v8 from 'node:v8'

/**
 * For reconcile --watch and status --watch, which keep running for weeks. Their live data is
 * small (about 22 MB for a reconciler with 10,000 plugged ports), but every bulk update brings
 * tens of MB of short-lived objects, and with V8's defaults the heap grew to several times the
 * live data before it was collected. --optimize-for-size makes V8 collect sooner. At 10,000
 * ports the reconciler's peak RSS went from 180-204 MB to 128-135 MB in bench/reconcile
 * (119-125 MB against 190 MB in a quiet plug-and-unplug), and the time to plug did not change
 * beyond noise. The flag steers heap sizing at each collection, which is why setting it after
 * start-up takes effect. status --watch sets it once its first read is done: through a delete
 * and re-create of 10,000 ports its peak went from 215-252 MB to 153 MB, and its first screen
 * came 0.15 s later (1.93 s against 1.78 s); set at start, the peak was 110-128 MB but the first
 * screen 0.4 s later. reconcile --watch sets it at start, where its peak must stay under 150 MB.
 */
export function favourMemoryOverSpeed(): void {
  v8.setFlagsFromString('--optimize-for-size')
}
