-- Issuance in ONE statement (one round trip, no BEGIN/COMMIT): the same steps, in the same order, that the
-- repository used to run as six statements inside an explicit transaction. A function call in autocommit is one
-- transaction; under READ COMMITTED every statement inside takes a fresh snapshot, so the steps see exactly what
-- they saw before:
--   1. an existing id -> EXISTING (no lock; the caller reads the row and compares content);
--   2. a suspended payer -> PAYER_SUSPENDED;
--   3. INSERT ... ON CONFLICT DO NOTHING: a concurrent request with the same id waits on the unique index and
--      then sees the committed row -> EXISTING;
--   4. the atomic conditional lock (row lock + re-check of the WHERE on the newest row version, so replicas never
--      over-lock); when it fails, the row inserted in 3 is deleted before anyone could see it ->
--      INSUFFICIENT_COLLATERAL with what is available;
--   5. the first transition row -> ISSUED.
CREATE FUNCTION issue_guarantee(
  p_guarantee_id TEXT, p_version SMALLINT, p_domain TEXT, p_cycle_id NUMERIC, p_user TEXT, p_recipient TEXT,
  p_asset TEXT, p_req_id NUMERIC, p_amount NUMERIC, p_ts BIGINT, p_status TEXT, p_content_hash TEXT,
  p_request JSONB, p_payer_signature TEXT, p_claims TEXT, p_bls_signature TEXT, p_signature_eip2537 JSONB,
  p_validation_registry TEXT, p_validation_request_hash TEXT)
RETURNS TABLE (outcome TEXT, available TEXT)
LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM guarantees g WHERE g.guarantee_id = p_guarantee_id) THEN
    RETURN QUERY SELECT 'EXISTING'::TEXT, NULL::TEXT;
    RETURN;
  END IF;

  IF EXISTS (SELECT 1 FROM users u WHERE u.address = p_user AND u.suspended) THEN
    RETURN QUERY SELECT 'PAYER_SUSPENDED'::TEXT, NULL::TEXT;
    RETURN;
  END IF;

  INSERT INTO guarantees (guarantee_id, version, domain, cycle_id, user_address, recipient, asset, req_id, amount,
    ts, status, content_hash, request, payer_signature, claims, bls_signature, signature_eip2537,
    validation_registry, validation_request_hash)
  VALUES (p_guarantee_id, p_version, p_domain, p_cycle_id, p_user, p_recipient, p_asset, p_req_id, p_amount,
    p_ts, p_status, p_content_hash, p_request, p_payer_signature, p_claims, p_bls_signature, p_signature_eip2537,
    p_validation_registry, p_validation_request_hash)
  ON CONFLICT (guarantee_id) DO NOTHING;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'EXISTING'::TEXT, NULL::TEXT;
    RETURN;
  END IF;

  UPDATE balances b SET locked = b.locked + p_amount, updated_at = now()
  WHERE b.user_address = p_user AND b.asset = p_asset AND b.deposited - b.locked - b.pending_withdrawal >= p_amount;
  IF NOT FOUND THEN
    DELETE FROM guarantees g WHERE g.guarantee_id = p_guarantee_id;
    RETURN QUERY SELECT 'INSUFFICIENT_COLLATERAL'::TEXT, COALESCE(
      (SELECT GREATEST(b.deposited - b.locked - b.pending_withdrawal, 0)::TEXT
       FROM balances b WHERE b.user_address = p_user AND b.asset = p_asset), '0');
    RETURN;
  END IF;

  INSERT INTO guarantee_transitions (guarantee_id, from_status, to_status, cause)
  VALUES (p_guarantee_id, NULL, p_status, 'ISSUED');
  RETURN QUERY SELECT 'ISSUED'::TEXT, NULL::TEXT;
END
$$;
