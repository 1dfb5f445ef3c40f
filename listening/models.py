# The project keeps no models of its own: the outbox moved to `core` (migration 0004 hands its
# table over without moving a row).
