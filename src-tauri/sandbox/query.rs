//! `GET /users` and `/users/count` query parameters, parsed and checked as the spec says: limit
//! 1–500, offset ≥ 0, `order_by` among the listed fields (first one wins), `starting_after` only
//! with a `created_at` ordering and no offset (422), the ms `created_at_*` filters, email filters.

use super::answer::ApiError;
use super::user::SandboxUser;

/// The fields `order_by` accepts.
const ORDER_FIELDS: [&str; 10] = [
    "created_at",
    "updated_at",
    "email_address",
    "web3wallet",
    "first_name",
    "last_name",
    "phone_number",
    "username",
    "last_active_at",
    "last_sign_in_at",
];

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filters {
    pub email_address: Vec<String>,
    pub user_id: Vec<String>,
    pub username: Vec<String>,
    pub external_id: Vec<String>,
    pub query: Option<String>,
    pub email_address_query: Option<String>,
    pub username_query: Option<String>,
    pub name_query: Option<String>,
    pub banned: Option<bool>,
    pub created_at_before: Option<i64>,
    pub created_at_after: Option<i64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ListQuery {
    pub filters: Filters,
    pub limit: usize,
    pub offset: usize,
    pub order_field: String,
    pub descending: bool,
    pub starting_after: Option<String>,
}

impl ListQuery {
    pub fn parse(raw: &str) -> Result<Self, ApiError> {
        let mut filters = Filters::default();
        let (mut limit, mut offset, mut order_by, mut starting_after) =
            (10, 0, None::<String>, None);
        for (key, value) in form_urlencoded::parse(raw.as_bytes()) {
            let key = key.trim_end_matches("[]");
            let value = value.into_owned();
            match key {
                "limit" => limit = int_param(key, &value)?,
                "offset" => offset = int_param(key, &value)?,
                "order_by" => {
                    order_by.get_or_insert(value);
                }
                "starting_after" => starting_after = Some(value),
                _ => filter_param(&mut filters, key, value)?,
            }
        }
        if !(1..=500).contains(&limit) {
            return Err(ApiError::invalid_param(
                "limit",
                "must be between 1 and 500",
            ));
        }
        if offset < 0 {
            return Err(ApiError::invalid_param(
                "offset",
                "must be greater than or equal to 0",
            ));
        }
        let order_by = order_by.unwrap_or_else(|| "-created_at".into());
        let (descending, field) = match order_by.strip_prefix('-') {
            Some(field) => (true, field),
            None => (false, order_by.strip_prefix('+').unwrap_or(&order_by)),
        };
        if !ORDER_FIELDS.contains(&field) {
            return Err(ApiError::invalid_param(
                "order_by",
                "is not a field users can be ordered by",
            ));
        }
        if starting_after.is_some() && field != "created_at" {
            return Err(ApiError::unprocessable(
                "starting_after",
                "requires ordering by created_at",
            ));
        }
        if starting_after.is_some() && offset != 0 {
            return Err(ApiError::unprocessable(
                "starting_after",
                "cannot be combined with a non-zero offset",
            ));
        }
        Ok(Self {
            filters,
            limit: limit as usize,
            offset: offset as usize,
            order_field: field.to_string(),
            descending,
            starting_after,
        })
    }
}

impl Filters {
    /// Only the filters `/users/count` takes (it has no paging).
    pub fn parse(raw: &str) -> Result<Self, ApiError> {
        let mut filters = Self::default();
        for (key, value) in form_urlencoded::parse(raw.as_bytes()) {
            filter_param(&mut filters, key.trim_end_matches("[]"), value.into_owned())?;
        }
        Ok(filters)
    }

    /// Whether any filter other than the `created_at` bounds is set.
    pub fn beyond_created_at(&self) -> bool {
        let bounds_only = Self {
            created_at_before: None,
            created_at_after: None,
            ..self.clone()
        };
        bounds_only != Self::default()
    }

    pub fn matches(&self, user: &SandboxUser) -> bool {
        let lower = |s: &str| s.to_lowercase();
        let contains = |hay: Option<&str>, needle: &str| {
            hay.is_some_and(|h| lower(h).contains(&lower(needle)))
        };
        let emails = || user.emails.iter().map(|e| e.address.as_str());
        (self.email_address.is_empty()
            || emails().any(|e| self.email_address.iter().any(|w| w.eq_ignore_ascii_case(e))))
            && (self.user_id.is_empty()
                || self
                    .user_id
                    .iter()
                    .any(|id| id.trim_start_matches('+') == user.id))
            && (self.username.is_empty()
                || user
                    .username
                    .as_ref()
                    .is_some_and(|u| self.username.contains(u)))
            && (self.external_id.is_empty()
                || user
                    .external_id
                    .as_ref()
                    .is_some_and(|x| self.external_id.contains(x)))
            && self
                .email_address_query
                .as_deref()
                .is_none_or(|q| emails().any(|e| contains(Some(e), q)))
            && self
                .username_query
                .as_deref()
                .is_none_or(|q| contains(user.username.as_deref(), q))
            && self.name_query.as_deref().is_none_or(|q| {
                contains(user.first_name.as_deref(), q) || contains(user.last_name.as_deref(), q)
            })
            && self.query.as_deref().is_none_or(|q| {
                emails().any(|e| contains(Some(e), q))
                    || contains(Some(&user.id), q)
                    || contains(user.username.as_deref(), q)
                    || contains(user.first_name.as_deref(), q)
                    || contains(user.last_name.as_deref(), q)
                    || user.phones.iter().any(|p| contains(Some(&p.number), q))
            })
            && self.banned.is_none_or(|b| user.banned == b)
            && self.created_at_before.is_none_or(|t| user.created_at < t)
            && self.created_at_after.is_none_or(|t| user.created_at > t)
    }
}

fn filter_param(filters: &mut Filters, key: &str, value: String) -> Result<(), ApiError> {
    match key {
        "email_address" => filters.email_address.push(value),
        "user_id" => filters.user_id.push(value),
        "username" => filters.username.push(value),
        "external_id" => filters.external_id.push(value),
        "query" => filters.query = Some(value),
        "email_address_query" => filters.email_address_query = Some(value),
        "username_query" => filters.username_query = Some(value),
        "name_query" => filters.name_query = Some(value),
        "banned" => {
            filters.banned = Some(
                value
                    .parse()
                    .map_err(|_| ApiError::invalid_param(key, "must be true or false"))?,
            )
        }
        "created_at_before" => filters.created_at_before = Some(int_param(key, &value)?),
        "created_at_after" => filters.created_at_after = Some(int_param(key, &value)?),
        // Other documented filters (phone, web3, organization, activity dates) are accepted and
        // not applied: sandbox users have none of that data to filter on.
        _ => {}
    }
    for list in [
        &filters.email_address,
        &filters.user_id,
        &filters.username,
        &filters.external_id,
    ] {
        if list.len() > 100 {
            return Err(ApiError::invalid_param(key, "accepts up to 100 values"));
        }
    }
    Ok(())
}

fn int_param(key: &str, value: &str) -> Result<i64, ApiError> {
    value
        .parse()
        .map_err(|_| ApiError::format_invalid(key, "must be an integer"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_the_spec() {
        let q = ListQuery::parse("").unwrap();
        assert_eq!(
            (q.limit, q.offset, q.order_field.as_str(), q.descending),
            (10, 0, "created_at", true),
            "limit 10, newest first"
        );
    }

    #[test]
    fn limits_and_cursor_rules_are_enforced() {
        assert_eq!(
            ListQuery::parse("limit=501").unwrap_err().status,
            400,
            "limit above 500 is refused, not clamped"
        );
        assert_eq!(
            ListQuery::parse("limit=0").unwrap_err().status,
            400,
            "limit below 1 is refused"
        );
        assert_eq!(
            ListQuery::parse("starting_after=user_x&order_by=first_name")
                .unwrap_err()
                .status,
            422,
            "the spec: a cursor with another ordering is a 422"
        );
        assert_eq!(
            ListQuery::parse("starting_after=user_x&offset=5")
                .unwrap_err()
                .status,
            422,
            "the spec: a cursor with a non-zero offset is a 422"
        );
        assert!(
            ListQuery::parse("starting_after=user_x&order_by=%2Bcreated_at").is_ok(),
            "+created_at is a created_at ordering"
        );
        let q = ListQuery::parse("order_by=username&order_by=created_at").unwrap();
        assert_eq!(q.order_field, "username", "only the first order_by counts");
        assert_eq!(
            ListQuery::parse("order_by=password").unwrap_err().status,
            400,
            "only the fields the spec lists can be ordered by"
        );
    }

    #[test]
    fn array_params_accept_both_spellings() {
        let q = ListQuery::parse("email_address=a%40example.com&email_address[]=b%40example.com")
            .unwrap();
        assert_eq!(
            q.filters.email_address,
            ["a@example.com", "b@example.com"],
            "repeated keys and [] keys both collect"
        );
    }
}
