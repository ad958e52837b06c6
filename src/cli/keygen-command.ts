import { resolve } from 'node:path';
import { MedpipeError } from '../base/errors.ts';
import { writeKeyPair } from '../remote/signing.ts';

/** `medpipe keygen <name>`: writes <name>.key (private, 0600) and <name>.pub for signing remote cache entries. */
export async function keygenCommand(args: readonly string[]): Promise<number> {
  const base = args[0];
  if (!base || base.startsWith('-'))
    throw new MedpipeError('INVALID_CONFIG', 'Which name? medpipe keygen <name> writes <name>.key and <name>.pub.', { fix: 'medpipe keygen keys/ci' });
  try {
    const { privateFile, publicFile, id } = await writeKeyPair(resolve(base));
    process.stdout.write(
      `wrote ${privateFile} (private: give it to the machines that upload, --remote-key) and ${publicFile} (public: readers trust it, --remote-trust); key ${id}\n`,
    );
    return 0;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST')
      throw new MedpipeError('INVALID_CONFIG', `${base}.key or ${base}.pub exists already; keygen never overwrites a key.`, {
        fix: 'Pick another name, or remove the old pair first.',
      });
    throw error;
  }
}
