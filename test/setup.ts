// Pin the environment so frames and colours are the same on every machine (gemini-cli test-setup).
process.env['NO_COLOR'] = '1';
delete process.env['FORCE_COLOR'];
