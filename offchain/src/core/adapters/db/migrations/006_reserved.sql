-- Placeholder: version 006 belongs to another change of issue 10, merged separately. This file only keeps the
-- sequence contiguous on the webhooks branch; the merge replaces it with the real 006.
SELECT 1;
