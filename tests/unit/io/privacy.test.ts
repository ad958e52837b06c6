// Group keys are HMAC-SHA256(salt, identifier), first 16 hex digits. The expected values below were
// computed independently with Python's hmac module (not with medpipe's code):
//   python3 -c "import hmac,hashlib; print(hmac.new(b'medpipe-group-key-v1', b'1CT1', hashlib.sha256).hexdigest()[:16])"
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_GROUP_SALT, saltedHash } from '../../../src/io/privacy.ts';

const Hmac = suite('group keys: fixed HMAC-SHA256 test vectors');

Hmac('the default salt', () => {
  assert.is(DEFAULT_GROUP_SALT, 'medpipe-group-key-v1');
  assert.is(saltedHash('1CT1'), '278d1b5e95d508d2');
  assert.is(saltedHash('4MR1'), '29dc07eb396a5444');
  assert.is(saltedHash('PAT-0001'), 'fab5e4d9f89454b2');
  assert.is(saltedHash('Müller^Hans'), 'c066500571f3e217', 'UTF-8 bytes of the identifier');
});

Hmac('a project salt gives other keys', () => {
  assert.is(saltedHash('1CT1', 'project-secret'), 'd9da46eddb647f94');
  assert.is(saltedHash('4MR1', 'project-secret'), '2d09092206ca5f8d');
});

Hmac('DICOM padding (spaces, NULs) around an identifier does not change its key', () => {
  assert.is(saltedHash(' PAT-0001 \0'), 'fab5e4d9f89454b2');
  assert.is(saltedHash('PAT-0001\0\0'), saltedHash('PAT-0001'));
});

Hmac.run();
