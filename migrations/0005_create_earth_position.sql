-- ll_to_earth() as a generated column or an index would break pg_restore: the extension's
-- function names its types (earth, cube) unqualified, and a restore runs with an empty search
-- path. This wrapper pins the path, so the column is rebuilt wherever the dump is restored.
CREATE FUNCTION earth_position(lat double precision, lng double precision) RETURNS earth
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  SET search_path = public, pg_temp
  RETURN ll_to_earth(lat, lng);
