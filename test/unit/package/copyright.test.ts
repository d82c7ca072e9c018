import {describe, expect, it} from 'vitest'

import {type CopyrightInput, debianCopyright} from '../../../scripts/package/copyright.js'
import {dep5Problems} from '../../helpers/dep5.js'

const EXPAT = `MIT License

Copyright (c) Sindre Sorhus <sindresorhus@gmail.com>

Permission is hereby granted, free of charge, to any person obtaining a copy.

THE SOFTWARE IS PROVIDED "AS IS". IN NO EVENT SHALL THE AUTHORS OR
COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM.
`
const ISC = `The ISC License

Copyright (c) Isaac Z. Schlueter and Contributors

Permission to use, copy, modify, and/or distribute this software for any
purpose with or without fee is hereby granted, provided that the above
copyright notice and this permission notice appear in all copies.
`
const input: CopyrightInput = {
  upstream: {name: 'ovn-vif-ctl', contact: 'ovn-vif-ctl developers <maintainers@ovn-vif-ctl.invalid>', holder: 'ovn-vif-ctl developers', license: 'Apache-2.0'},
  bundle: {
    files: 'usr/lib/ovn-vif-ctl/dist/*',
    packages: [
      {name: 'chalk', version: '6.0.1', license: 'MIT', licenseText: EXPAT},
      {name: 'ejs', version: '6.0.1', license: 'Apache-2.0', licenseText: 'Apache License\nVersion 2.0\n\n   Copyright [yyyy] [name of copyright owner]\n'},
      {name: 'emoji-regex', version: '8.0.0', license: 'MIT'},
      {name: 'semver', version: '7.8.6', license: 'ISC', licenseText: ISC},
      {name: 'type-fest', version: '0.21.3', license: '(MIT OR CC0-1.0)', licenseText: EXPAT},
    ],
  },
  runtime: {files: 'usr/lib/ovn-vif-ctl/bin/node', version: '26.12.1', licenseText: 'Node.js is licensed for use as follows:\n\n"""\nCopyright Node.js contributors. All rights reserved.\n\nPermission is hereby granted.\n"""\n'},
}

describe('the Debian copyright file', () => {
  it('is strict DEP-5: Files paragraphs with Files, Copyright and License, and the text of every licence named', () => {
    const text = debianCopyright(input)
    expect(dep5Problems(text)).toEqual([])
    expect(text).toMatch(/^Files: usr\/lib\/ovn-vif-ctl\/dist\/\*\nCopyright: Copyright \(c\) Isaac Z\. Schlueter and Contributors\n Copyright \(c\) Sindre Sorhus <sindresorhus@gmail\.com>\n ovn-vif-ctl developers\n the ejs authors\n the emoji-regex authors\nLicense: Expat or CC0-1\.0, and Apache-2\.0 and Expat and ISC\n/m)
    // One stand-alone paragraph per licence, its text without any one package's holders.
    expect(text.match(/^License: \S+$/gm)?.slice(-4)).toEqual(['License: Apache-2.0', 'License: CC0-1.0', 'License: Expat', 'License: ISC'])
    expect(text).toMatch(/^License: Expat\n MIT License\n \.\n Permission is hereby granted/m)
    expect(text).toMatch(/^License: Apache-2\.0\n On Debian systems, the full text of the Apache-2\.0 licence is in\n \/usr\/share\/common-licenses\/Apache-2\.0\.$/m)
    expect(text).toMatch(/^Files: usr\/lib\/ovn-vif-ctl\/bin\/node\nCopyright: Copyright Node\.js contributors\. All rights reserved\.\nLicense: Node\.js\n Node\.js is licensed/m)
  })

  it('refuses a licence whose text no bundled package gives, and a licence that is not an SPDX expression', () => {
    const bsd = {...input, bundle: {...input.bundle, packages: [{name: 'left-pad', version: '1.0.0', license: 'BSD-3-Clause'}]}}
    expect(() => debianCopyright(bsd)).toThrow('no bundled package gives the text of the licence BSD-3-Clause')
    const unknown = {...input, bundle: {...input.bundle, packages: [{name: 'left-pad', version: '1.0.0', license: 'SEE LICENSE IN LICENSE.txt'}]}}
    expect(() => debianCopyright(unknown)).toThrow('left-pad: the licence "SEE LICENSE IN LICENSE.txt" is not an SPDX expression')
  })
})

describe('the strict DEP-5 reader', () => {
  it('finds each defect of a copyright file the old packaging wrote', () => {
    const old = `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: ovn-vif-ctl

Files: *
Copyright: ovn-vif-ctl developers
License: Apache-2.0
 On Debian systems, the full text of the Apache License, Version 2.0 is in
 /usr/share/common-licenses/Apache-2.0.

Files: usr/lib/ovn-vif-ctl/dist/ovn-vif-ctl.js
Comment: bundles the npm package chalk 6.0.1
License: MIT
 Copyright (c) Sindre Sorhus

Files: usr/lib/ovn-vif-ctl/dist/ovn-vif-ctl.js
Comment: bundles the npm package semver 7.8.6
License: ISC
`
    expect(dep5Problems(old)).toEqual([
      'paragraph 3: a Files paragraph without Copyright',
      'paragraph 4: a Files paragraph without Copyright',
      'paragraph 4: the pattern usr/lib/ovn-vif-ctl/dist/ovn-vif-ctl.js is in two Files paragraphs',
      'the licence ISC is used without its text',
    ])
  })
})
