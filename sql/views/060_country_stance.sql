-- country_stance: per country and topic, how the actors of that country currently stand
-- (a person's stance counts towards their country; each actor counts once).
create or replace table country_stance as
with current_stance as (
    select * from actor_current_stance where country is not null
),

counted as (
    select
        country,
        topic,
        count(*) as n_actors,
        count(*) filter (where stance = 'support') as n_support,
        count(*) filter (where stance = 'oppose') as n_oppose,
        count(*) filter (where stance = 'conditional') as n_conditional,
        count(*) filter (where stance = 'neutral') as n_neutral,
        max(last_seen) as last_seen,
        string_agg(actor_name || ': ' || stance, '; ' order by actor_name, actor_id) as actors
    from current_stance
    group by country, topic
),

final as (
    select
        country,
        topic,
        case
            when n_support > greatest(n_oppose, n_conditional, n_neutral) then 'support'
            when n_oppose > greatest(n_support, n_conditional, n_neutral) then 'oppose'
            when n_conditional > greatest(n_support, n_oppose, n_neutral) then 'conditional'
            when n_neutral > greatest(n_support, n_oppose, n_conditional) then 'neutral'
            else 'mixed'
        end as prevailing_stance,
        n_actors,
        n_support,
        n_oppose,
        n_conditional,
        n_neutral,
        last_seen,
        actors
    from counted
)

select * from final order by country, topic;
