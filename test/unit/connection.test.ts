import {describe, expect, it} from 'vitest'

import {defaultNbDb, defaultOvsDb, localOvsRemote, northboundRemote, originFix, southboundRemote} from '../../src/lib/connection.js'
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
    expect(southboundRemote(connectionSettings({...flags, 'sb-db': 'unix:/flag.sock'}, env), 'unix:/remote.sock', env)).toEqual({remote: 'unix:/flag.sock', origin: {flag: '--sb-db'}})
    expect(southboundRemote(connectionSettings(flags, env), 'unix:/remote.sock', env)).toEqual({remote: 'unix:/remote.sock', origin: {flag: '--sb-db', source: 'external_ids:ovn-remote'}})
    expect(southboundRemote(connectionSettings(flags, env), undefined, env)).toEqual({remote: 'unix:/env.sock', origin: {flag: '--sb-db', source: '$OVN_SB_DB'}})
    expect(southboundRemote(connectionSettings(flags, {}), undefined, {})).toEqual({remote: 'unix:/var/run/ovn/ovnsb_db.sock', origin: {flag: '--sb-db', source: 'the default'}})
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

  it('remembers where each remote came from, and names it in the fix', () => {
    const fromEnv = connectionSettings(flags, {OVN_NB_DB: 'tcp:10.0.0.1:6641', OVS_RUNDIR: '/run/hv1'})
    expect(northboundRemote(fromEnv)).toEqual({remote: 'tcp:10.0.0.1:6641', origin: {flag: '--nb-db', source: '$OVN_NB_DB'}})
    expect(localOvsRemote(fromEnv)).toEqual({remote: 'unix:/run/hv1/db.sock', origin: {flag: '--db', source: '$OVS_RUNDIR'}})
    expect(northboundRemote(connectionSettings({...flags, 'nb-db': 'unix:/nb.sock'}, {OVN_NB_DB: 'tcp:10.0.0.1:6641'}))).toEqual({remote: 'unix:/nb.sock', origin: {flag: '--nb-db'}})
    expect(northboundRemote(connectionSettings(flags, {})).origin).toEqual({flag: '--nb-db', source: 'the default'})

    expect(originFix({flag: '--nb-db'})).toBe('check --nb-db')
    expect(originFix({flag: '--nb-db', source: '$OVN_NB_DB'})).toBe('check $OVN_NB_DB, or give --nb-db')
    expect(originFix({flag: '--sb-db', source: 'external_ids:ovn-remote'})).toBe("check this chassis's external_ids:ovn-remote (ovs-vsctl get Open_vSwitch . external_ids:ovn-remote), or give --sb-db")
    expect(originFix({flag: '--db', source: 'the default'})).toBe('check that the server runs there, or give --db')
  })
})
