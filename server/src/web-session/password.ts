// Password checks against the users' argon2id hashes (core's hashPassword, same library). A sign-in
// for an email with no password spends the same argon2 time on a decoy, so timing does not tell
// which emails exist.
import { argon2Verify } from "hash-wasm";

// The PHC string of a random password nobody holds, with hashPassword's parameters (19 MiB, t=2, p=1),
// so verifying against it costs what a real check costs.
const DECOY_HASH = "$argon2id$v=19$m=19456,t=2,p=1$dRtJvvU177DKPS1X2sjd6g$xAZGym8anr7Z/KTcgIPEem5Bxwh2WQ+XNkS4CL0QZ10";

/** Does `password` match `hash`? A missing or unreadable hash is checked against the decoy and fails. */
export async function verifyPassword(password: string, hash: string | null): Promise<boolean> {
  if (hash === null) {
    await argon2Verify({ password, hash: DECOY_HASH });
    return false;
  }
  try {
    return await argon2Verify({ password, hash });
  } catch {
    // A hash this library cannot read matches nothing; still spend the time.
    await argon2Verify({ password, hash: DECOY_HASH });
    return false;
  }
}
