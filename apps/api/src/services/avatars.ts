// Avatars: PNG, JPEG or WebP up to api.avatarMaxBytes, recognised by their magic bytes (the
// declared type must agree), stored as <dataDir>/avatars/<account>-<random>.<ext>.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { badRequest } from '../errors';

export const AVATAR_TYPES = ['image/png', 'image/jpeg', 'image/webp'] as const;
export type AvatarType = typeof AVATAR_TYPES[number];

const EXT: Record<AvatarType, string> = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/webp': 'webp' };

export function sniffImage(b: Buffer): AvatarType | undefined {
  if (b.length >= 8 && b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if (b.length >= 12 && b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP') return 'image/webp';
  return undefined;
}

export function typeOfFile(file: string): AvatarType {
  const ext = path.extname(file).slice(1);
  return (Object.entries(EXT).find(([, e]) => e === ext)?.[0] ?? 'image/png') as AvatarType;
}

export class AvatarStore {
  constructor(private readonly dir: string) {}

  async save(accountId: number, data: Buffer, declared: string): Promise<string> {
    const type = sniffImage(data);
    if (!type) throw badRequest('body', 'body: not a PNG, JPEG or WebP image', 'unsupported_media_type');
    if (type !== declared.split(';')[0].trim().toLowerCase()) {
      throw badRequest('body', `body: Content-Type says ${declared} but the data is ${type}`, 'unsupported_media_type');
    }
    await fs.mkdir(this.dir, { recursive: true });
    const file = `${accountId}-${randomBytes(6).toString('hex')}.${EXT[type]}`;
    await fs.writeFile(path.join(this.dir, file), data, { mode: 0o640 });
    return file;
  }

  async read(file: string): Promise<Buffer> {
    return fs.readFile(path.join(this.dir, path.basename(file)));
  }

  async remove(file: string | null): Promise<void> {
    if (file) await fs.rm(path.join(this.dir, path.basename(file)), { force: true });
  }
}
