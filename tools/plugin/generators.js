// What generators.json points at ("./generators.js#<name>"): each generator's default export, bundled on first use (./loader.js).
'use strict';

const { join } = require('node:path');
const { load } = require('./loader');

// Getters, so `nx g` compiles and loads only the generator it runs.
const generator = (name) => ({ enumerable: true, get: () => load(join(__dirname, 'src', 'generators', name, 'generator.ts')).default });

module.exports = Object.defineProperties(
  {},
  {
    derivative: generator('derivative'),
    external: generator('external'),
    provisioning: generator('provisioning'),
    convert: generator('convert'),
  },
);
