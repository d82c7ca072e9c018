/**
 * A generated `devlink -j port show` dump of a DPU at SF density, in the shapes recorded on real
 * ones (test/fixtures/providers/representor, /work notes on devlink JSON): per PF one devlink
 * device with its uplink, the DPU's own PF, the host's PF representor (controller 1, external)
 * and the host's SFs on that PF. Used by the density tests and by bench/density.
 */

export interface GeneratedSf {
  pf: number
  sfnum: number
  /** The representor netdev: the kernel's phys_port_name, c<controller>pf<N>sf<M>. */
  netdev: string
  /** The host PF's MAC, what vif-plug:representor:pf-mac names for this SF. */
  pfMac: string
}

export interface SfDumpOptions {
  /** Host PFs, each with its own devlink device (default 2). */
  pfs?: number
  /** Host SFs per PF, sfnum 0 to sfsPerPf - 1 on each (the same sfnum on every PF; pf-mac disambiguates). Default 2,000. */
  sfsPerPf?: number
  /** Leave out this PF's representor and its SFs, as devlink shows a PF that vanished. */
  withoutPf?: number
}

export interface SfDump {
  /** The dump, as `devlink -j port show` prints it. */
  json: string
  /** Every host SF in the dump, PF by PF, sfnum ascending. */
  sfs: GeneratedSf[]
  /** The host PFs' MACs, by PF number (also for a PF left out). */
  pfMacs: string[]
}

const HOST_CONTROLLER = 1
/** mlx5 numbers a device's SF ports from here; the index carries no meaning to the provider. */
const FIRST_SF_PORT_INDEX = 229_376

const hex = (value: number) => value.toString(16).padStart(2, '0')

/** The host PF's MAC: 0c:42:a1:00:00:01 for PF 0, as in the recorded fixtures. */
export function hostPfMac(pf: number): string {
  return `0c:42:a1:00:00:${hex(pf + 1)}`
}

function sfMac(pf: number, sfnum: number): string {
  return `0c:42:a1:${hex(0x20 + pf)}:${hex(sfnum >> 8)}:${hex(sfnum & 0xff)}`
}

export function sfNetdev(pf: number, sfnum: number): string {
  return `c${HOST_CONTROLLER}pf${pf}sf${sfnum}`
}

export function generateSfDump(options: SfDumpOptions = {}): SfDump {
  const pfs = options.pfs ?? 2
  const sfsPerPf = options.sfsPerPf ?? 2000
  const port: Record<string, unknown> = {}
  const sfs: GeneratedSf[] = []
  const pfMacs = Array.from({length: pfs}, (_, pf) => hostPfMac(pf))
  for (let pf = 0; pf < pfs; pf++) {
    const device = `pci/0000:03:00.${pf}`
    port[`${device}/65535`] = {type: 'eth', netdev: `p${pf}`, flavour: 'physical', port: pf, splittable: false}
    port[`${device}/4095`] = {
      type: 'eth',
      netdev: `pf${pf}`,
      flavour: 'pcipf',
      controller: 0,
      pfnum: pf,
      splittable: false,
      function: {hw_addr: `02:00:00:00:0a:${hex(pf)}`, state: 'active', opstate: 'attached'},
    }
    if (pf === options.withoutPf) continue
    port[`${device}/4096`] = {
      type: 'eth',
      netdev: `c${HOST_CONTROLLER}pf${pf}`,
      flavour: 'pcipf',
      controller: HOST_CONTROLLER,
      pfnum: pf,
      external: true,
      splittable: false,
      function: {hw_addr: pfMacs[pf], state: 'active', opstate: 'attached'},
    }
    for (let sfnum = 0; sfnum < sfsPerPf; sfnum++) {
      const netdev = sfNetdev(pf, sfnum)
      port[`${device}/${FIRST_SF_PORT_INDEX + 1 + sfnum}`] = {
        type: 'eth',
        netdev,
        flavour: 'pcisf',
        controller: HOST_CONTROLLER,
        pfnum: pf,
        sfnum,
        external: true,
        splittable: false,
        function: {hw_addr: sfMac(pf, sfnum), state: 'active', opstate: 'attached'},
      }
      sfs.push({pf, sfnum, netdev, pfMac: pfMacs[pf]!})
    }
  }

  return {json: JSON.stringify({port}), sfs, pfMacs}
}
