# owned by the work on this folder; filled in as it lands
