import {describe, expect, it} from 'vitest'

import {defaultNbDb, defaultOvsDb, southboundRemote} from '../../src/lib/connection.js'
import {connectionSettings, FOREVER_MS} from '../../src/lib/flags.js'

const flags = {timeout: 30, 'leader-only': true}

describe('connection defaults, as ovn-nbctl, ovn-sbctl and ovs-vsctl resolve them', () => {
  it('uses the environment, then the standard sockets', () => {
    expect(defaultNbDb({})).toBe('unix:/var/run/ovn/ovnnb_db.sock')
    expect(defaultNbDb({OVN_RUNDIR: '/run/x'})).toBe('unix:/run/x/ovnnb_db.sock')
    expect(defaultNbDb({OVN_NB_DB: 'tcp:10.0.0.1:6641'})).toBe('tcp:10.0.0.1:6641')
    expect(defaultOvsDb({})).toBe('unix:/var/run/openvswitch/db.sock')
    expect(defaultOvsDb({OVS_RUNDIR: '/tmp/hv1'})).toBe('unix:/tmp/hv1/db.sock')
  })

  it('prefers --sb-db, then the chassis ovn-remote, then $OVN_SB_DB', () => {
    const env = {OVN_SB_DB: 'unix:/env.sock'}
    expect(southboundRemote(connectionSettings({...flags, 'sb-db': 'unix:/flag.sock'}, env), 'unix:/remote.sock', env)).toBe('unix:/flag.sock')
    expect(southboundRemote(connectionSettings(flags, env), 'unix:/remote.sock', env)).toBe('unix:/remote.sock')
    expect(southboundRemote(connectionSettings(flags, env), undefined, env)).toBe('unix:/env.sock')
    expect(southboundRemote(connectionSettings(flags, {}), undefined, {})).toBe('unix:/var/run/ovn/ovnsb_db.sock')
  })

  it('turns flags into settings: seconds to milliseconds, TLS files only when given', () => {
    expect(connectionSettings({...flags, db: 'unix:/db.sock', 'nb-db': 'unix:/nb.sock'}, {})).toEqual({
      nbDb: 'unix:/nb.sock',
      ovsDb: 'unix:/db.sock',
      timeoutMs: 30_000,
      leaderOnly: true,
    })
    expect(connectionSettings({...flags, timeout: 0, 'leader-only': false, 'ca-cert': '/ca.pem'}, {})).toMatchObject({
      tls: {caCert: '/ca.pem'},
      timeoutMs: FOREVER_MS,
      leaderOnly: false,
    })
  })
})
