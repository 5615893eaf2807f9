from tests.factories import (
    CommitmentFactory,
    SuperuserFactory,
    UnitFactory,
)


def test_scratch(web, admin_login, role_groups):
    page = web.page
    page.set_viewport_size({"width": 1366, "height": 768})
    su = SuperuserFactory(username="admin")
    u = UnitFactory(name="市教育局")
    CommitmentFactory(lead_unit=u, status="draft")
    admin_login(su)
    for name, url in [
        ("index", "/admin/"),
        ("axes", "/admin/axes/"),
        ("useradd", "/admin/auth/user/add/"),
        ("group", f"/admin/auth/group/{role_groups['督办人员'].pk}/change/"),
        ("unit", f"/admin/commitments/unit/{u.pk}/change/"),
        ("user", f"/admin/auth/user/{su.pk}/change/"),
        ("history", "/admin/commitments/commitment/1/history/"),
        ("notices", "/admin/commitments/notice/"),
    ]:
        page.goto(url)
        page.screenshot(path=f"/tmp/od/{name}.png", full_page=False)
