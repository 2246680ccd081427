//! Safe, atomic editing of `.env` files (owned by the env_file helper; placeholder).
