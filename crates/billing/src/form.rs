//! The e-bill form code printed on every paper bill: the customer's id in Crockford base 32
//! with a check character, e.g. `EB-2K7Q-M`. A customer returns the form by post, gives it at a
//! branch or to the call center, or types it in the online branch; the back office registers it
//! with `canali bills enrol --form CODE`.

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

fn check_char(id: u64) -> char {
    // A mod-37 check (Crockford's): catches a single wrong character and most transpositions.
    const CHECK: &[u8; 37] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ*~$=U";
    CHECK[(id % 37) as usize] as char
}

/// The form code of a customer.
pub fn form_code(customer_id: i64) -> String {
    let id = customer_id.max(0) as u64;
    let mut digits = Vec::new();
    let mut n = id;
    loop {
        digits.push(ALPHABET[(n % 32) as usize] as char);
        n /= 32;
        if n == 0 {
            break;
        }
    }
    let body: String = digits.into_iter().rev().collect();
    format!("EB-{body}-{}", check_char(id))
}

/// The customer id of a form code, read leniently (any case, spaces, I/L read as 1, O as 0);
/// `None` when the code is malformed or its check character does not match.
pub fn parse_form_code(code: &str) -> Option<i64> {
    let s: String = code
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase();
    let s = s.strip_prefix("EB-").or_else(|| s.strip_prefix("EB"))?;
    let (body, check) = s.rsplit_once('-')?;
    if body.is_empty() || body.len() > 12 || check.chars().count() != 1 {
        return None;
    }
    let mut n: u64 = 0;
    for c in body.chars() {
        let c = match c {
            'I' | 'L' => '1',
            'O' => '0',
            c => c,
        };
        let v = ALPHABET.iter().position(|&a| a as char == c)? as u64;
        n = n.checked_mul(32)?.checked_add(v)?;
    }
    check.starts_with(check_char(n)).then_some(n as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_check() {
        for id in [0, 1, 31, 32, 1_000_000, 123_456_789] {
            let code = form_code(id);
            assert_eq!(parse_form_code(&code), Some(id), "{code}");
            assert_eq!(parse_form_code(&code.to_lowercase()), Some(id));
        }
        let code = form_code(1_000_000);
        // A wrong character is caught by the check.
        let mut bad: Vec<char> = code.chars().collect();
        bad[3] = if bad[3] == '2' { '3' } else { '2' };
        assert_eq!(parse_form_code(&bad.into_iter().collect::<String>()), None);
        assert_eq!(parse_form_code("hello"), None);
    }
}
