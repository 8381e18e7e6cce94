//! CSV issuing through `POST /v1/orgs/{org}/credentials/batch`: the files
//! spreadsheet programs write (BOM, `;`, tab, quoted fields), errors at
//! their row and column, dry runs, idempotency and who may send one.

use cairn_tests::{AchievementBuilder, Institution, Learner, Response, TestApp};
use serde_json::{Value, json};

struct World {
    app: TestApp,
    lakeside: Institution,
    learner: Learner,
    achievement: String,
}

fn world() -> World {
    let app = TestApp::spawn();
    let lakeside = app.institution("Lakeside University");
    let learner = app.learner("ada");
    let achievement = lakeside.achievement(&AchievementBuilder::micro("Statistics").credits("2.5", "ECTS"));
    World { app, lakeside, learner, achievement }
}

fn post_csv(w: &World, query: &str, headers: &[(&str, &str)], content_type: &str, body: &[u8]) -> Response {
    let path = format!("{}{query}", w.lakeside.path("credentials/batch"));
    w.app.call_raw_with("POST", &path, Some(&w.lakeside.issuer.token), headers, content_type, body)
}

fn csv(w: &World, body: &str) -> Response {
    post_csv(w, "", &[], "text/csv; charset=utf-8", body.as_bytes())
}

/// The failed rows: (row, column).
fn failures(response: &Response) -> Vec<(u64, String)> {
    results(response)
        .iter()
        .filter(|r| r["outcome"] == "failed")
        .map(|r| (r["row"].as_u64().unwrap(), r["column"].as_str().unwrap_or("-").to_owned()))
        .collect()
}

fn results(response: &Response) -> &Vec<Value> {
    response.body["results"].as_array().unwrap()
}

/// 1,000 rows as European Excel saves them (BOM, `;`, decimal commas),
/// recipients by address and one by learner id, three bad rows.
fn european_file(w: &World) -> Vec<u8> {
    let mut text = String::from("\u{feff}Name; EMAIL ;Learner;Achievement;Awarded_At;valid_until;credits_earned;evidence_url\r\n");
    for i in 0..1000 {
        let row = i + 2;
        let achievement = if row == 101 { "01234567-89ab-7def-8123-456789abcdef" } else { w.achievement.as_str() };
        let awarded = if row == 502 { "31/12/2024" } else { "2024-12-31" };
        let (email, learner) = match row {
            2 => (String::new(), w.learner.id.clone()),
            1001 => ("not-an-address".to_owned(), String::new()),
            _ => (format!("student{i}@example.org"), String::new()),
        };
        text.push_str(&format!(
            "\"Student {i}; Class of 2024\";{email};{learner};{achievement};{awarded};2030-01-01;\"2,5 ECTS\";https://lakeside.example/work/{i}\r\n"
        ));
    }
    text.into_bytes()
}

#[test]
fn a_thousand_rows_with_three_bad_ones_issue_997_and_name_the_three() {
    let w = world();
    let file = european_file(&w);
    let started = std::time::Instant::now();
    let response = post_csv(&w, "", &[], "text/csv", &file);
    eprintln!("1,000 CSV rows issued in {:?}", started.elapsed());
    assert_eq!(response.status, 200, "{}", response.text.chars().take(500).collect::<String>());
    assert_eq!(response.body["issued"], 997);
    assert_eq!(response.body["failed"], 3);
    assert_eq!(failures(&response), [(101, "achievement".to_owned()), (502, "awarded_at".to_owned()), (1001, "email".to_owned())]);
    let rows = results(&response);
    assert_eq!(rows.len(), 1000);
    assert_eq!(rows[99]["error"]["errors"][0]["field"], "achievement");
    assert!(rows[500]["error"]["detail"].as_str().unwrap().contains("2026-06-30"), "{}", rows[500]["error"]);
    // Every cell reached the credential: the name stays beside the row.
    assert_eq!(rows[3]["name"], "Student 3; Class of 2024");
    let issued = &rows[3]["credential"];
    assert_eq!(issued["awarded_at"], "2024-12-31T00:00:00Z");
    assert_eq!(issued["valid_until"], "2030-01-01T00:00:00Z");
    assert_eq!(issued["credits_earned"], json!({ "amount": "2.5", "unit": "ECTS" }));
    assert!(issued["claim_code"].is_string(), "an address without an account claims it");
    assert!(issued["ob3"].to_string().contains("https://lakeside.example/work/3"), "the evidence URL is signed");
    // The learner's row is in their wallet.
    assert_eq!(w.learner.credentials().len(), 1);
}

#[test]
fn comma_and_tab_files_with_quoted_fields_are_read() {
    let w = world();
    let a = &w.achievement;
    let comma = format!(
        "email,name,achievement\n\
         one@example.org,\"Lovelace, Ada\nCountess\",{a}\n\
         two@example.org,Bo,not-an-id\n\
         three@example.org,\"Quoted \"\"nick\"\"\",{a}\n"
    );
    let response = csv(&w, &comma);
    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(response.body["issued"], 2);
    // The quoted newline does not start a row: the bad row is row 3.
    assert_eq!(failures(&response), [(3, "achievement".to_owned())]);
    assert_eq!(results(&response)[0]["name"], "Lovelace, Ada\nCountess");
    assert_eq!(results(&response)[2]["name"], "Quoted \"nick\"");

    let tab = format!("learner\tachievement\tawarded_at\n{}\t{a}\t2025-01-02T03:04:05+01:00\n\n{}\t{a}\t2999-01-01\n", w.learner.id, w.learner.id);
    let response = post_csv(&w, "", &[], "application/csv", tab.as_bytes());
    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(response.body["issued"], 1);
    // A blank line is a row of the sheet; a date in the future is refused where issuing refuses it.
    assert_eq!(failures(&response), [(4, "awarded_at".to_owned())]);
    assert_eq!(results(&response)[0]["credential"]["ob3"]["validFrom"], "2025-01-02T02:04:05Z");
}

#[test]
fn a_file_that_cannot_be_read_is_refused_and_issues_nothing() {
    let w = world();
    let a = &w.achievement;
    let refused = |response: Response, status: u16, field: &str| {
        assert_eq!(response.status, status, "{}", response.text);
        if !field.is_empty() {
            assert_eq!(response.body["errors"][0]["field"], field, "{}", response.text);
        }
    };
    refused(csv(&w, &format!("email,achievement,grade\na@example.org,{a},A\n")), 422, "grade");
    refused(csv(&w, &format!("email,achievement,Email\na@example.org,{a},b@example.org\n")), 422, "email");
    refused(csv(&w, &format!("name,achievement\nAda,{a}\n")), 422, "email");
    refused(csv(&w, "email,name\na@example.org,Ada\n"), 422, "achievement");
    refused(csv(&w, "email,achievement\n"), 422, "file");
    // Latin-1 (Excel's "CSV" on Windows) is not UTF-8.
    let latin1 = [format!("learner,name,achievement\n{},Jos", w.learner.id).as_bytes(), b"\xe9", format!(",{a}\n").as_bytes()].concat();
    let response = post_csv(&w, "", &[], "text/csv", &latin1);
    assert!(response.body["detail"].as_str().unwrap().contains("UTF-8"), "{}", response.text);
    refused(response, 422, "file");
    refused(post_csv(&w, "", &[], "text/csv; charset=windows-1252", b"email,achievement\n"), 415, "");
    refused(post_csv(&w, "", &[], "text/plain", b"email,achievement\n"), 415, "");
    assert!(w.learner.credentials().is_empty());
}

#[test]
fn a_dry_run_issues_nothing_and_reports_what_issuing_would() {
    let w = world();
    let a = &w.achievement;
    let staff = &w.lakeside.issuer.id;
    let file = format!(
        "learner,email,achievement,valid_until\n\
         {learner},,{a},\n\
         {staff},,{a},\n\
         ,{issuer},{a},\n\
         {learner},,{a},1999-01-01\n\
         ,new@example.org,{a},\n",
        learner = w.learner.id,
        issuer = w.lakeside.issuer.email,
    );
    let dry = post_csv(&w, "?dry_run=true", &[], "text/csv", file.as_bytes());
    assert_eq!(dry.status, 200, "{}", dry.text);
    assert_eq!((dry.body["issued"].as_u64(), dry.body["valid"].as_u64(), dry.body["failed"].as_u64()), (Some(0), Some(2), Some(3)));
    let expected = [(3, "learner".to_owned()), (4, "email".to_owned()), (5, "valid_until".to_owned())];
    assert_eq!(failures(&dry), expected);
    assert_eq!(results(&dry)[0]["outcome"], "valid");
    assert!(w.learner.credentials().is_empty(), "a dry run issues nothing");

    let real = csv(&w, &file);
    assert_eq!(real.body["issued"], 2, "{}", real.text);
    assert_eq!(failures(&real), expected, "issuing refuses what the dry run refused");
    assert_eq!(w.learner.credentials().len(), 1);

    // The JSON batch has the same dry run.
    let items = json!({ "items": [
        { "achievement": a, "recipient": { "learner": w.learner.id } },
        { "achievement": "01234567-89ab-7def-8123-456789abcdef", "recipient": { "learner": w.learner.id } },
    ]});
    let dry = w.lakeside.issuer.post(&w.lakeside.path("credentials/batch?dry_run=true"), &items);
    assert_eq!(dry.status, 200, "{}", dry.text);
    assert_eq!(dry.body["valid"], 1);
    assert_eq!(dry.body["results"][0]["outcome"], "valid");
    assert_eq!(dry.body["results"][1]["error"]["errors"][0]["field"], "achievement");
    assert_eq!(w.learner.credentials().len(), 1);
    w.lakeside.issuer.post(&w.lakeside.path("credentials/batch?dry_run=yes"), &items).assert_problem(400);
}

#[test]
fn the_same_idempotency_key_replays_without_issuing_twice() {
    let w = world();
    let file = format!("learner,achievement\n{},{}\n", w.learner.id, w.achievement);
    let first = post_csv(&w, "", &[("Idempotency-Key", "csv-1")], "text/csv", file.as_bytes());
    assert_eq!(first.body["issued"], 1, "{}", first.text);
    let again = post_csv(&w, "", &[("Idempotency-Key", "csv-1")], "text/csv", file.as_bytes());
    assert_eq!(again.status, 200);
    assert_eq!(again.body, first.body);
    assert_eq!(w.learner.credentials().len(), 1);
    let other = format!("{file}{},{}\n", w.learner.id, w.achievement);
    post_csv(&w, "", &[("Idempotency-Key", "csv-1")], "text/csv", other.as_bytes()).assert_problem(422);
    assert_eq!(w.learner.credentials().len(), 1);
}

#[test]
fn only_the_institutions_issuers_send_a_csv() {
    let w = world();
    let other = w.app.institution("Other College");
    let file = format!("learner,achievement\n{},{}\n", w.learner.id, w.achievement);
    let path = w.lakeside.path("credentials/batch");
    let send = |token: Option<&str>| w.app.call_raw("POST", &path, token, "text/csv", file.as_bytes()).status;
    assert_eq!(send(None), 401);
    assert_eq!(send(Some(&w.learner.token)), 403);
    assert_eq!(send(Some(&other.issuer.token)), 404);
    // Their own org's path with our achievement: refused at the row, nothing issued.
    let theirs = w.app.call_raw("POST", &other.path("credentials/batch"), Some(&other.issuer.token), "text/csv", file.as_bytes());
    assert_eq!(theirs.body["failed"], 1, "{}", theirs.text);
    assert!(w.learner.credentials().is_empty());
}
