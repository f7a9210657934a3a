app_name = "scorecards"
urlpatterns: list = []
