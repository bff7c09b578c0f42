"""The password hasher: Argon2id with parameters sized for the deadline-morning logins."""

from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2Hasher(Argon2PasswordHasher):
    """Argon2id at about 50 ms of one core per login (a little under it on this project's machine).

    Measured with argon2-cffi 25.1.0 on the project's 2-vCPU AMD EPYC machine (2026-12-01, load
    average about 1.2), pinned to one core (taskset -c 0), 20 verifications each, median:
    time_cost=3, memory_cost=31 MiB, parallelism=1 took 41.7 ms (41.4 ms user, no kernel time);
    t=4 at 31 MiB 58 ms; the previous t=2 at 32 MiB 43 ms, of which 12.5 ms kernel time. Inside
    the Django process (bench/rush_profile.py) the chosen check takes 46–47 ms, the previous too.

    31 MiB, not 32: glibc's malloc hands back blocks of 32 MiB and more to the kernel on free (its
    mmap threshold adapts only up to 32 MiB), so every check at 32 MiB faulted in 8,193 fresh zeroed
    pages — about a quarter of the check's time, spent in the kernel and adding nothing to the
    hash's strength. Under 32 MiB the worker reuses the same memory (0 page faults per check). The
    time saved went into a third pass: 3 × 31 MiB is 1.45 times the work of 2 × 32 MiB for an
    attacker, in the same time for us, and well above OWASP's minimum (19 MiB, t=2).

    One lane, because a web worker runs one login at a time and the other core serves other
    requests. The algorithm name stays "argon2": hashes with other parameters (t=2/32 MiB before,
    Django's defaults, PBKDF2) are upgraded at the user's next login (Django asks must_update).
    """

    time_cost = 3
    memory_cost = 31 * 1024  # KiB; keep under 32 MiB (see above)
    parallelism = 1
